# The status of a batch, e.g. to gate later steps on "Finished".
data "batchops_hpc_soa_batch_status" "greetings" {
  session_id = batchops_hpc_soa_batch.greetings.session_id
  batch_name = batchops_hpc_soa_batch.greetings.name
}

output "greetings_status" {
  value = data.batchops_hpc_soa_batch_status.greetings.status
}
