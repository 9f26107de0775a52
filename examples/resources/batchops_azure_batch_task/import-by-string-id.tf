import {
  to = batchops_azure_batch_task.frame
  id = "render-job/frame-0001"
}
