"""qiscan's outer layer: everything that touches the world: the command line, files, REDCap
(through its API, or the embedded localcap), snapshots, invitations and the Flask service."""
