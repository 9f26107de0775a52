# Every setting can come from the environment instead (shown beside it); configure only the
# services you use.
provider "batchops" {
  azure_batch = {
    endpoint     = "https://myacct.westeurope.batch.azure.com" # AZURE_BATCH_ENDPOINT
    account_name = "myacct"                                    # AZURE_BATCH_ACCOUNT
    account_key  = var.batch_key                               # AZURE_BATCH_ACCESS_KEY; unset: Microsoft Entra ID
  }
}

variable "batch_key" {
  type      = string
  sensitive = true
}
