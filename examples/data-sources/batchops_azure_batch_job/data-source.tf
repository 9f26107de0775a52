# Read a job made by another tool: its pool, its state and the settings the service filled in.
data "batchops_azure_batch_job" "nightly" {
  job_id = "nightly-job"
}

output "nightly_pool" {
  value = data.batchops_azure_batch_job.nightly.pool_id
}

output "nightly_state" {
  value = data.batchops_azure_batch_job.nightly.state
}
