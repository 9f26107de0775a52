# Every task of the job as one set; "render-job/frame-0000,frame-0001" imports only those tasks.
import {
  to = batchops_azure_batch_task_set.frames
  id = "render-job"
}
