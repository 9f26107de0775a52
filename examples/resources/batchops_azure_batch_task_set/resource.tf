# Render 1000 frames as one task set: 10 Add Task Collection calls on create, one List Tasks
# request per refresh. Changing the frame count adds or deletes only the frames concerned.
variable "frames" {
  type    = number
  default = 1000
  # range() below makes at most 1024 values; the guide "Thousands of tasks" builds larger sets in blocks.
  validation {
    condition     = var.frames >= 1 && var.frames <= 1024
    error_message = "frames must be 1 to 1024 here: range() makes at most 1024 values."
  }
}

resource "batchops_azure_batch_task_set" "frames" {
  job_id = "render-job"

  tasks = {
    for i in range(var.frames) : format("frame-%04d", i) => {
      command_line = "/bin/sh -c 'blender -b scene.blend -f ${i}'"
      environment  = { FRAME = tostring(i) }
      resource_files = [{
        http_url  = "https://example.blob.core.windows.net/scenes/scene.blend"
        file_path = "scene.blend"
      }]
      # Constraints change in place; leaving them out takes the job's and the service's defaults.
      constraints = {
        max_wall_clock_time  = "PT2H"
        max_task_retry_count = 2
      }
    }
  }

  wait_for_completion = true
  timeouts = {
    create = "4h"
  }
}
