import {
  to = batchops_azure_batch_job.render
  id = "render-job"
}
