// VirtualSigstore lives here.
