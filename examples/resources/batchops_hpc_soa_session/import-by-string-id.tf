import {
  to = batchops_hpc_soa_session.echo
  id = "42"
}
