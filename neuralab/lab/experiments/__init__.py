"""One module per experiment of the lectures; each registers itself with :func:`neuralab.lab.core.experiment`."""
