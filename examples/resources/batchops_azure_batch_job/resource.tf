# A job on an existing pool, whose tasks may depend on each other.
resource "batchops_azure_batch_job" "render" {
  job_id       = "render-job"
  pool_id      = "render-pool"
  display_name = "Render the film"

  # Set when the job is added: changing these replaces the job (and deletes its tasks).
  uses_task_dependencies = true
  common_environment_settings = {
    SCENE = "intro"
  }

  # These change in place.
  priority           = 100
  max_parallel_tasks = 8
  constraints = {
    max_wall_clock_time  = "P1D"
    max_task_retry_count = 2
  }
  metadata = {
    owner = "render-team"
  }

  # Destroy waits until the service has removed the job and its tasks.
  timeouts = {
    delete = "1h"
  }
}

# The tasks take the job's id, which is unknown while the job is being replaced: they are
# then replaced with it, instead of staying in state after the service deleted them.
resource "batchops_azure_batch_task" "prepare" {
  job_id       = batchops_azure_batch_job.render.id
  task_id      = "prepare"
  command_line = "/bin/sh -c 'blender -b scene.blend --python prepare.py'"
}

resource "batchops_azure_batch_task" "frame" {
  job_id       = batchops_azure_batch_job.render.id
  task_id      = "frame-0001"
  command_line = "/bin/sh -c 'blender -b scene.blend -f 1'"
  task_dependencies = {
    task_ids = [batchops_azure_batch_task.prepare.task_id]
  }
}
