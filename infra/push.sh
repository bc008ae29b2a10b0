#!/usr/bin/env bash
# Build the image, push it to the ECR repository the Terraform created, and roll both services onto
# it: what the old push script did (log in to ECR, build, tag, push), with the new names.
#
#   infra/push.sh [TAG]        TAG defaults to the current git commit; `latest` is pushed too
#
# Names come from `terraform output` (infra/terraform, already applied) unless set in the
# environment: AWS_REGION, ECR_REPOSITORY_URL, CLUSTER, HOST_SERVICE, WORKER_SERVICE.
# DEPLOY=0 pushes without restarting the services (the first deployment: only the repository exists).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tf_dir="$root/infra/terraform"
output() { terraform -chdir="$tf_dir" output -raw "$1"; }

tag="${1:-$(git -C "$root" rev-parse --short HEAD)}"
region="${AWS_REGION:-$(output aws_region)}"
repository="${ECR_REPOSITORY_URL:-$(output ecr_repository_url)}"

echo "logging in to ${repository%%/*}"
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "${repository%%/*}"

echo "building $repository:$tag"
# The task definitions run X86_64 (onnxruntime-node and sharp ship x64 binaries for it).
docker build --platform linux/amd64 -t "$repository:$tag" -t "$repository:latest" "$root"

docker push "$repository:$tag"
docker push "$repository:latest"

if [ "${DEPLOY:-1}" = "1" ]; then
  cluster="${CLUSTER:-$(output cluster_name)}"
  host_service="${HOST_SERVICE:-$(output host_service_name)}"
  worker_service="${WORKER_SERVICE:-$(output worker_service_name)}"
  # The task definitions name :latest (var.image_tag); a new deployment pulls the image just pushed.
  # A deployment whose tasks never become healthy is rolled back by the circuit breaker.
  for service in "$host_service" "$worker_service"; do
    aws ecs update-service --region "$region" --cluster "$cluster" --service "$service" --force-new-deployment \
      --query 'service.deployments[0].id' --output text
  done
  echo "waiting for $host_service and $worker_service to become stable"
  aws ecs wait services-stable --region "$region" --cluster "$cluster" --services "$host_service" "$worker_service"
fi
echo "pushed $repository:$tag"
