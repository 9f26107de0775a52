# Import every task of a job as one set by its job id...
terraform import batchops_azure_batch_task_set.frames render-job

# ...or only some of them, by "job_id/task_id,task_id,...".
terraform import batchops_azure_batch_task_set.frames render-job/frame-0000,frame-0001,frame-0002
