# The demo that `make demo` runs against the local emulator: scripts/demo.sh starts the emulator
# and exports its endpoints and credentials as AZURE_BATCH_* and HPC_PACK_* environment variables.

terraform {
  required_providers {
    batchops = {
      source = "batchops/batchops"
    }
  }
}

variable "mrs_endpoint" {
  description = "MRS endpoint of the local emulator (set by scripts/demo.sh); real use derives it from the region."
  type        = string
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
  hpc_pack = {
    # endpoint, username and password come from HPC_PACK_ENDPOINT, HPC_PACK_USERNAME and
    # HPC_PACK_PASSWORD.
    ca_certificate_file = var.emulator_ca_file
  }
  mrs = {
    # project_id, access_key and secret_key come from HW_PROJECT_ID, HW_ACCESS_KEY and
    # HW_SECRET_KEY.
    endpoint            = var.mrs_endpoint
    ca_certificate_file = var.emulator_ca_file
  }
}

# ---- Azure Batch: a job on the emulator's pool, and tasks in it ----

# The job; its tasks may depend on each other. Destroy deletes it after its tasks and waits
# until the service has removed it.
resource "batchops_azure_batch_job" "demo" {
  job_id                 = "demo-job"
  pool_id                = "batchops-pool" # the emulator's pool
  display_name           = "Render the demo scene"
  uses_task_dependencies = true
  common_environment_settings = {
    SCENE = "demo"
  }
}

# Prepare the scene and wait until it has completed. The tasks take the job's id (not its
# job_id): it is unknown while the job is being replaced, so they would be replaced with it.
resource "batchops_azure_batch_task" "prepare" {
  job_id              = batchops_azure_batch_job.demo.id
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

  job_id       = batchops_azure_batch_job.demo.id
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

# Make a thumbnail of each of 50 frames: one resource, added with one Add Task Collection call
# and refreshed with one List Tasks request. Each waits for its frame's render where there is one.
resource "batchops_azure_batch_task_set" "thumbnails" {
  job_id = batchops_azure_batch_job.demo.id
  tasks = {
    for i in range(1, 51) : format("thumb-%02d", i) => {
      command_line = "/bin/sh -c 'echo thumbnail ${i}'"
      environment  = { FRAME = tostring(i) }
      task_dependencies = contains(keys(batchops_azure_batch_task.frame), tostring(i)) ? {
        task_ids = [batchops_azure_batch_task.frame[tostring(i)].task_id]
      } : null
    }
  }
  wait_for_completion = true
  timeouts = {
    create = "5m"
  }
}

# Read a task back through the data source.
data "batchops_azure_batch_task" "frame_1" {
  job_id  = batchops_azure_batch_task.frame["1"].job_id
  task_id = batchops_azure_batch_task.frame["1"].task_id
}

# ---- HPC Pack SOA: a session of the echo service and a batch of requests ----

resource "batchops_hpc_soa_session" "echo" {
  service_name = "EchoService"
}

resource "batchops_hpc_soa_batch" "greetings" {
  session_id = batchops_hpc_soa_session.echo.id
  name       = "greetings"
  requests = [for who in ["alice", "bob", "carol"] : {
    action    = "http://tempuri.org/IEchoSvc/Echo"
    body      = "<Echo xmlns=\"http://tempuri.org/\"><input>hello ${who}</input></Echo>"
    user_data = who
  }]
  wait_for_completion = true
}

data "batchops_hpc_soa_batch_status" "greetings" {
  session_id = batchops_hpc_soa_batch.greetings.session_id
  batch_name = batchops_hpc_soa_batch.greetings.name
}

data "batchops_hpc_soa_batch_responses" "greetings" {
  session_id = batchops_hpc_soa_batch.greetings.session_id
  batch_name = batchops_hpc_soa_batch.greetings.name
}

output "soa_batch" {
  value = {
    session_id  = batchops_hpc_soa_session.echo.id
    status      = data.batchops_hpc_soa_batch_status.greetings.status
    status_code = data.batchops_hpc_soa_batch_status.greetings.status_code
    replies     = { for r in data.batchops_hpc_soa_batch_responses.greetings.responses : r.user_data => r.body }
  }
}

# ---- Huawei Cloud MRS: a set of jobs; one still runs at destroy, so it is killed first ----

resource "batchops_mrs_job_set" "pipeline" {
  cluster_id = "demo-cluster"
  jobs = {
    wordcount = {
      type      = "MapReduce"
      arguments = ["obs://demo/hadoop-mapreduce-examples.jar", "wordcount", "obs://demo/in/", "obs://demo/out/"]
    }
    report = {
      type      = "HiveSql"
      arguments = ["SELECT count(*) FROM events"]
    }
    stream = {
      type      = "Flink"
      arguments = ["run", "-d", "obs://demo/stream.jar", "sleep=1h"]
    }
  }
}

output "mrs_jobs" {
  value = {
    ids     = batchops_mrs_job_set.pipeline.job_ids
    summary = batchops_mrs_job_set.pipeline.summary
  }
}

output "prepare" {
  value = {
    state     = batchops_azure_batch_task.prepare.state
    result    = batchops_azure_batch_task.prepare.result
    exit_code = batchops_azure_batch_task.prepare.exit_code
  }
}

output "job" {
  value = {
    id                     = batchops_azure_batch_job.demo.id
    state                  = batchops_azure_batch_job.demo.state
    pool_id                = batchops_azure_batch_job.demo.pool_id
    uses_task_dependencies = batchops_azure_batch_job.demo.uses_task_dependencies
  }
}

output "frames" {
  value = { for k, t in batchops_azure_batch_task.frame : t.task_id => t.state }
}

output "thumbnails" {
  value = batchops_azure_batch_task_set.thumbnails.summary
}

output "frame_1_as_read" {
  value = {
    state               = data.batchops_azure_batch_task.frame_1.state
    max_wall_clock_time = data.batchops_azure_batch_task.frame_1.constraints.max_wall_clock_time
    retention_time      = data.batchops_azure_batch_task.frame_1.constraints.retention_time
  }
}
