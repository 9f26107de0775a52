# Import an existing session by its id.
terraform import batchops_hpc_soa_session.echo 42
