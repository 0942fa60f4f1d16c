"""One module per report kind, each declaring ``KIND`` (a :class:`reports.kind.Kind`),
named as the kind is; :func:`reports.catalogue.catalogue` finds them here."""
