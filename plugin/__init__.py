"""qiscan's outer layer: everything that touches the world (command line, files, later REDCap and
the Flask service)."""
