"""The `workshop` command and its subcommands: what a learner or a teacher runs (`workshop --help`)."""
