"""One module per VLM family: how its encoder output and connector are cut out."""
