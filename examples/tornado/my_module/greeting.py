# Edit this text and save: the watchdog restarts the app and the next request shows it.
GREETING = "Hello from Tornado"
