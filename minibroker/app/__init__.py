"""The application on top of the science modules: the command line and the demo."""
