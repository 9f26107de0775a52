# Read the state and result of a task, e.g. one submitted by another tool.
data "batchops_azure_batch_task" "frame" {
  job_id  = "render-job"
  task_id = "frame-0001"
}

output "frame_state" {
  value = data.batchops_azure_batch_task.frame.state
}

output "frame_exit_code" {
  value = data.batchops_azure_batch_task.frame.exit_code
}
