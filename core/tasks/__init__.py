"""Use cases: one function per thing an analyst does, called by the command line and the app alike."""
