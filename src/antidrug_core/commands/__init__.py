"""Subcommands of ``antidrug``, one module each, registered by ``cli.build_parser``."""
