import {
  to = batchops_hpc_soa_batch.greetings
  id = "42/greetings"
}
