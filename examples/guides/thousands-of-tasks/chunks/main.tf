# Render var.frames frames in chunks of at most var.chunk_size tasks: one job and one task set per
# chunk, so that each set stays small enough for Terraform's own work to grow linearly.
terraform {
  required_providers {
    batchops = {
      source = "batchops/batchops"
    }
  }
}

variable "frames" {
  type    = number
  default = 10000
}

variable "chunk_size" {
  type    = number
  default = 2000
}

locals {
  # "part-00" => [0, 1, ..., 1999], "part-01" => [2000, ..., 3999], ...
  chunks = {
    for c in range(ceil(var.frames / var.chunk_size)) :
    # range() makes at most 1024 values, so each chunk is joined from blocks of up to 1000.
    format("part-%02d", c) => flatten([
      for b in range(c * var.chunk_size, min((c + 1) * var.chunk_size, var.frames), 1000) :
      range(b, min(b + 1000, (c + 1) * var.chunk_size, var.frames))
    ])
  }
}

resource "batchops_azure_batch_job" "render" {
  for_each = local.chunks

  job_id  = "render-${each.key}"
  pool_id = "render-pool"
}

resource "batchops_azure_batch_task_set" "frames" {
  for_each = local.chunks

  job_id = batchops_azure_batch_job.render[each.key].id
  tasks = {
    for i in each.value : format("frame-%05d", i) => {
      command_line = "/bin/sh -c 'blender -b scene.blend -f ${i}'"
      environment  = { FRAME = tostring(i) }
    }
  }
  wait_for_completion = true
  timeouts = {
    create = "6h"
    update = "6h"
  }
}

output "frames" {
  value = { for k, set in batchops_azure_batch_task_set.frames : k => set.summary }
}
