# Send three requests to the session, commit them and wait until the broker has answered all.
resource "batchops_hpc_soa_batch" "greetings" {
  session_id = batchops_hpc_soa_session.echo.id
  name       = "greetings"

  requests = [for who in ["alice", "bob", "carol"] : {
    action    = "http://tempuri.org/IEchoSvc/Echo"
    body      = "<Echo xmlns=\"http://tempuri.org/\"><input>hello ${who}</input></Echo>"
    user_data = who
  }]

  wait_for_completion = true
  timeouts = {
    create = "30m"
  }
}
