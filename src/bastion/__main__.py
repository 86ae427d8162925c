from bastion.cli.main import app

app(prog_name="bastion")
