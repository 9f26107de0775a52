import {
  to = batchops_azure_batch_task.frame
  identity = {
    job_id  = "render-job"
    task_id = "frame-0001"
  }
}
