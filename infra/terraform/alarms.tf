# The alarms the old runbook set by hand, now declared: service CPU over 80 % for two periods, ALB
# target 5xx over 5 in 5 minutes, plus unhealthy targets and the age of the oldest pending job.
# All notify var.alarm_sns_topic_arn (alarm and recovery).

resource "aws_cloudwatch_metric_alarm" "host_cpu_high" {
  alarm_name          = "${local.host_name}-cpu-high"
  alarm_description   = "Host service CPU above 80 % for 2 periods of 5 minutes"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  dimensions = {
    ClusterName = aws_ecs_cluster.main.name
    ServiceName = aws_ecs_service.host.name
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_cpu_high" {
  alarm_name          = "${local.worker_name}-cpu-high"
  alarm_description   = "Worker service CPU above 80 % for 2 periods of 5 minutes"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  dimensions = {
    ClusterName = aws_ecs_cluster.main.name
    ServiceName = aws_ecs_service.worker.name
  }
}

resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${var.app_name}-alb-target-5xx"
  alarm_description   = "More than 5 responses with status 5xx from the host tasks in 5 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 5
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  dimensions = {
    LoadBalancer = aws_lb.main.arn_suffix
    TargetGroup  = aws_lb_target_group.host.arn_suffix
  }
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  alarm_name          = "${var.app_name}-unhealthy-targets"
  alarm_description   = "A host task failed the ALB's /health check for 2 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  dimensions = {
    LoadBalancer = aws_lb.main.arn_suffix
    TargetGroup  = aws_lb_target_group.host.arn_suffix
  }
}

# Published by the workers (METRICS_NAMESPACE, dimension Application); missing data (no worker
# publishing) does not alarm.
resource "aws_cloudwatch_metric_alarm" "job_queue_age" {
  alarm_name          = "${var.app_name}-job-queue-age"
  alarm_description   = "The oldest pending job has waited more than ${var.queue_age_alarm_seconds} s: workers down, stuck or too few"
  namespace           = local.metrics_namespace
  metric_name         = "OldestPendingJobAgeSeconds"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.queue_age_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  dimensions = {
    Application = var.app_name
  }
}
