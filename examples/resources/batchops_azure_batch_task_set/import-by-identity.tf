# Every task of the job as one set.
import {
  to = batchops_azure_batch_task_set.frames
  identity = {
    job_id = "render-job"
  }
}
