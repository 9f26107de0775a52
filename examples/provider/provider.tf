terraform {
  required_providers {
    batchops = {
      source = "batchops/batchops"
    }
  }
}

# Configure only the services you use. The credentials and endpoints can come from environment
# variables instead (named beside each setting), which keeps them out of the configuration.
provider "batchops" {
  azure_batch = {
    endpoint     = "https://myacct.westeurope.batch.azure.com" # AZURE_BATCH_ENDPOINT
    account_name = "myacct"                                    # AZURE_BATCH_ACCOUNT
    account_key  = var.batch_key                               # AZURE_BATCH_ACCESS_KEY; unset: Microsoft Entra ID
  }
  hpc_pack = {
    endpoint            = "https://headnode.contoso.com" # HPC_PACK_ENDPOINT
    username            = "CONTOSO\\alice"               # HPC_PACK_USERNAME
    password            = var.hpc_password               # HPC_PACK_PASSWORD
    ca_certificate_file = "headnode-ca.pem"              # head nodes often use self-signed certificates
    # cluster_name = "HEADNODE"                          # only for clusters before HPC Pack 2016
    # batch_endpoint = "broker_node"                     # batches to the session's broker node
  }
  mrs = {
    region     = "cn-north-4"                       # HW_REGION_NAME; the endpoint is derived from it
    project_id = "0123456789abcdef0123456789abcdef" # HW_PROJECT_ID; unset: looked up from the region
    access_key = var.hw_access_key                  # HW_ACCESS_KEY
    secret_key = var.hw_secret_key                  # HW_SECRET_KEY
  }
}

variable "batch_key" {
  type      = string
  sensitive = true
}

variable "hpc_password" {
  type      = string
  sensitive = true
}

variable "hw_access_key" {
  type = string
}

variable "hw_secret_key" {
  type      = string
  sensitive = true
}
