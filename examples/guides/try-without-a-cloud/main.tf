# One object of each service, against the emulator. The endpoints and credentials come from
# emulator.env (AZURE_BATCH_*, HPC_PACK_*, HW_*); the CA file and the MRS endpoint are variables:
#   export TF_VAR_emulator_ca_file=$BATCHOPS_EMULATOR_CA_FILE TF_VAR_mrs_endpoint=$MRS_ENDPOINT
terraform {
  required_providers {
    batchops = {
      source = "batchops/batchops"
    }
  }
}

variable "emulator_ca_file" {
  description = "The emulator's CA certificate (BATCHOPS_EMULATOR_CA_FILE in emulator.env)."
  type        = string
}

variable "mrs_endpoint" {
  description = "The emulator's MRS endpoint (MRS_ENDPOINT in emulator.env)."
  type        = string
}

provider "batchops" {
  azure_batch = {
    ca_certificate_file = var.emulator_ca_file
  }
  hpc_pack = {
    ca_certificate_file = var.emulator_ca_file
  }
  mrs = {
    endpoint            = var.mrs_endpoint # no region domain on loopback: give the endpoint
    ca_certificate_file = var.emulator_ca_file
  }
}

# Azure Batch: a job (any pool name will do) and a task that runs for 2 seconds.
resource "batchops_azure_batch_job" "hello" {
  job_id  = "hello-job"
  pool_id = "batchops-pool"
}

resource "batchops_azure_batch_task" "hello" {
  job_id              = batchops_azure_batch_job.hello.id
  task_id             = "hello"
  command_line        = "/bin/sh -c 'echo hello; sleep 2'"
  wait_for_completion = true
}

# HPC Pack SOA: a session of the emulator's echo service and a batch of two requests.
resource "batchops_hpc_soa_session" "echo" {
  service_name = "EchoService"
}

resource "batchops_hpc_soa_batch" "hello" {
  session_id = batchops_hpc_soa_session.echo.id
  name       = "hello"
  requests = [for who in ["alice", "bob"] : {
    action    = "http://tempuri.org/IEchoSvc/Echo"
    body      = "<Echo xmlns=\"http://tempuri.org/\"><input>hello ${who}</input></Echo>"
    user_data = who
  }]
  wait_for_completion = true
}

data "batchops_hpc_soa_batch_responses" "hello" {
  session_id = batchops_hpc_soa_batch.hello.session_id
  batch_name = batchops_hpc_soa_batch.hello.name
}

# Huawei Cloud MRS: two jobs on the emulator's cluster; each runs for a few seconds.
resource "batchops_mrs_job_set" "hello" {
  cluster_id = "demo-cluster"
  jobs = {
    wordcount = {
      type      = "MapReduce"
      arguments = ["obs://demo/wordcount.jar", "obs://demo/in/", "obs://demo/out/"]
    }
    report = {
      type      = "HiveSql"
      arguments = ["SELECT count(*) FROM events"]
    }
  }
  wait_for_completion = true
}

output "task" {
  value = {
    state     = batchops_azure_batch_task.hello.state
    exit_code = batchops_azure_batch_task.hello.exit_code
  }
}

output "replies" {
  value = { for r in data.batchops_hpc_soa_batch_responses.hello.responses : r.user_data => r.body }
}

output "mrs_jobs" {
  value = batchops_mrs_job_set.hello.summary
}
