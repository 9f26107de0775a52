# The demo that `make demo` runs against the local emulator: scripts/demo.sh starts the emulator
# and exports its endpoint and credentials as AZURE_BATCH_* environment variables.

terraform {
  required_providers {
    batchops = {
      source = "batchops/batchops"
    }
  }
}

variable "emulator_ca_file" {
  description = "CA certificate of the local emulator (set by scripts/demo.sh)."
  type        = string
}

provider "batchops" {
  azure_batch = {
    # endpoint, account_name and account_key come from AZURE_BATCH_ENDPOINT,
    # AZURE_BATCH_ACCOUNT and AZURE_BATCH_ACCESS_KEY.
    ca_certificate_file = var.emulator_ca_file
  }
}

# ---- Azure Batch: tasks in the emulator's pre-created job "demo-job" ----

# Prepare the scene and wait until it has completed.
resource "batchops_azure_batch_task" "prepare" {
  job_id              = "demo-job"
  task_id             = "prepare"
  display_name        = "Prepare the scene"
  command_line        = "/bin/sh -c 'echo preparing; sleep 1; exit 0'"
  wait_for_completion = true
  timeouts = {
    create = "2m"
  }
}

# Render three frames; each waits for the preparation on the cluster.
resource "batchops_azure_batch_task" "frame" {
  for_each = toset(["1", "2", "3"])

  job_id       = "demo-job"
  task_id      = "frame-${each.key}"
  command_line = "/bin/sh -c 'echo rendering frame ${each.key}; sleep 2'"
  environment = {
    FRAME = each.key
  }
  task_dependencies = {
    task_ids = [batchops_azure_batch_task.prepare.task_id]
  }
  constraints = {
    max_wall_clock_time  = "PT30M"
    max_task_retry_count = 1
  }
}

# Read a task back through the data source.
data "batchops_azure_batch_task" "frame_1" {
  job_id  = batchops_azure_batch_task.frame["1"].job_id
  task_id = batchops_azure_batch_task.frame["1"].task_id
}

output "prepare" {
  value = {
    state     = batchops_azure_batch_task.prepare.state
    result    = batchops_azure_batch_task.prepare.result
    exit_code = batchops_azure_batch_task.prepare.exit_code
  }
}

output "frames" {
  value = { for k, t in batchops_azure_batch_task.frame : t.task_id => t.state }
}

output "frame_1_as_read" {
  value = {
    state               = data.batchops_azure_batch_task.frame_1.state
    max_wall_clock_time = data.batchops_azure_batch_task.frame_1.constraints.max_wall_clock_time
    retention_time      = data.batchops_azure_batch_task.frame_1.constraints.retention_time
  }
}
