# Render one frame in an existing job, and wait for it to finish.
resource "batchops_azure_batch_task" "frame" {
  job_id       = "render-job"
  task_id      = "frame-0001"
  display_name = "Frame 1"
  command_line = "/bin/sh -c 'blender -b scene.blend -f 1'"

  environment = {
    FRAME = "1"
  }

  resource_files = [{
    http_url  = "https://mystorage.blob.core.windows.net/scenes/scene.blend"
    file_path = "scene.blend"
  }]

  output_files = [{
    file_pattern     = "*.png"
    container_url    = var.output_container_sas_url
    path             = "frames"
    upload_condition = "tasksuccess"
  }]

  # The only settings that change in place; unset values take the service's defaults.
  constraints = {
    max_wall_clock_time  = "PT2H"
    max_task_retry_count = 2
  }

  wait_for_completion = true
  timeouts = {
    create = "3h"
  }
}

variable "output_container_sas_url" {
  type      = string
  sensitive = true
}
