// Edit this text and save: the watchdog restarts the server and the next request shows it.
export const greeting = "Hello from the Node kernel";
