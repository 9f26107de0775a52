# An interactive session of the EchoService, running as a service account whose password never
# lands in state (write-only attributes need Terraform 1.11 or later).
resource "batchops_hpc_soa_session" "echo" {
  service_name        = "EchoService"
  service_version     = "1.0"
  max_message_size    = 65536
  min_units           = 1
  max_units           = 8
  resource_unit_type  = "Core"
  priority            = "Normal"
  node_groups         = ["ComputeNodes"]
  environment         = { LOG_LEVEL = "info" }
  username            = "CONTOSO\\svc-soa"
  password_wo         = var.run_as_password
  password_wo_version = 1
}

variable "run_as_password" {
  type      = string
  sensitive = true
}
