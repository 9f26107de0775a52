# The responses of a batch. Reading uses reset=true, so the responses stay on the broker.
data "batchops_hpc_soa_batch_responses" "greetings" {
  session_id = batchops_hpc_soa_batch.greetings.session_id
  batch_name = batchops_hpc_soa_batch.greetings.name
}

output "greetings_replies" {
  value = { for r in data.batchops_hpc_soa_batch_responses.greetings.responses : r.user_data => r.body }
}
