import {
  to = batchops_hpc_soa_batch.greetings
  identity = {
    session_id = "42"
    batch_name = "greetings"
  }
}
