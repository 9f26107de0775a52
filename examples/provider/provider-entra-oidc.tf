# Microsoft Entra ID instead of the account key, here with workload identity federation in a
# GitHub Actions workflow (permissions: id-token: write). The ARM_* variables azurerm users
# already export work too: ARM_TENANT_ID, ARM_CLIENT_ID, ARM_USE_OIDC, ARM_ENVIRONMENT, ...
provider "batchops" {
  azure_batch = {
    account_name = "myacct"
    location     = "chinaeast2" # with account_name: https://myacct.chinaeast2.batch.chinacloudapi.cn
    environment  = "china"      # public (default), usgovernment or china
    tenant_id    = "00000000-0000-0000-0000-000000000000"
    client_id    = "11111111-1111-1111-1111-111111111111"
    use_oidc     = true # the token comes from GitHub's ACTIONS_ID_TOKEN_REQUEST_* variables
    # client_secret = var.client_secret  # or a client secret, a certificate, use_msi, use_cli
  }
}
