"""Service functions: the only code that changes rows. They take plain values and model rows, never
``flask.request`` or ``g``, and raise ``central.errors.CentralError`` subclasses a view maps to HTTP."""
