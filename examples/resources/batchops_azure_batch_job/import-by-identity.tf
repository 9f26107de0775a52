import {
  to = batchops_azure_batch_job.render
  identity = {
    job_id = "render-job"
  }
}
