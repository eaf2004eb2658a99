"""`make rehearse`: the deploy command (infra/deploy.py), unchanged, against a local twin.

- moto's server (infra/rehearse/moto_twin.py) is AWS on loopback (AWS_ENDPOINT_URL);
- the Lambda twin (lambda_twin.py, AWS_ENDPOINT_URL_LAMBDA) runs the deployed zip's handler
  in a `python -S` process (runner.py) that records every AWS call and answers Stripe;
- the edge twin (edge_twin.py) is CloudFront's part, and the deploy's health URL;
- the local MariaDB answers for Aurora behind the RDS proxy's host name.

driver.py runs it; iam_check.py judges the recorded calls; not_proven.py lists the rest.
"""
