# Render var.frames frames as one task set: one Terraform resource, whatever the number of tasks.
terraform {
  required_providers {
    batchops = {
      source = "batchops/batchops"
    }
  }
}

variable "frames" {
  type    = number
  default = 1000
  # range() below makes at most 1024 values; the chunks example builds larger sets in blocks.
  validation {
    condition     = var.frames >= 1 && var.frames <= 1024
    error_message = "frames must be 1 to 1024 here: range() makes at most 1024 values."
  }
}

resource "batchops_azure_batch_job" "render" {
  job_id  = "render-job"
  pool_id = "render-pool"
}

resource "batchops_azure_batch_task_set" "frames" {
  job_id = batchops_azure_batch_job.render.id

  # The keys are the task ids.
  tasks = {
    for i in range(var.frames) : format("frame-%05d", i) => {
      command_line = "/bin/sh -c 'blender -b scene.blend -f ${i}'"
      environment  = { FRAME = tostring(i) }
      resource_files = [{
        http_url  = "https://mystorage.blob.core.windows.net/scenes/scene.blend"
        file_path = "scene.blend"
      }]
      constraints = {
        max_wall_clock_time  = "PT2H"
        max_task_retry_count = 2
      }
    }
  }

  # Fail the apply if a task fails; the next apply runs exactly the failed tasks again.
  wait_for_completion = true
  timeouts = {
    create = "6h"
    update = "6h"
  }
}

output "frames" {
  value = batchops_azure_batch_task_set.frames.summary # e.g. { completed = 1000, success = 1000 }
}
