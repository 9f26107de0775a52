# Import an existing job by its ID.
terraform import batchops_azure_batch_job.render render-job
