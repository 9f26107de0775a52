# Import an existing task by "job_id/task_id".
terraform import batchops_azure_batch_task.frame render-job/frame-0001
