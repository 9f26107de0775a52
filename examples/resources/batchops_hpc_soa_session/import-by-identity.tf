import {
  to = batchops_hpc_soa_session.echo
  identity = {
    session_id = "42"
  }
}
