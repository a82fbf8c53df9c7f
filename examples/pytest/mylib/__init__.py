"""A small package tested by the test runner app (see ../jaffle.hcl)."""
