/**
 * The commented config `docket configure` starts from when none exists. Everything is a
 * comment, so it is valid as is; each example becomes valid once uncommented.
 */
export const STARTER_CONFIG =
  `# docket configuration. \`docket configure\` edits it; \`docket configure --validate\`
# checks it. It may hold tokens: keep it private (mode 0600).
# Relative paths are relative to this file's folder; ~ is your home.

# Where docket keeps its files (the defaults are in DOCKET_HOME, ~/.docket):
# state_dir: state.db   # SQLite history of runs
# tasks_dir: tasks      # drop-in TypeScript tasks (\`docket new-task <name>\`)
# logs_dir: logs        # one log file per run
# history:
#   keep_runs: 1000
#   keep_days: 90

tasks:
  # A shell command as a task. \`docket install\` turns its cron schedule into a systemd timer.
  # disk-usage:
  #   type: command
  #   command: ["df", "-h", "/"]
  #   description: Show how full the root file system is
  #   schedule: "0 * * * *"
  #   timeout_seconds: 60
  #   network: false

  # The built-in health check: fails when a disk or the memory is fuller than the threshold.
  # health-check:
  #   disk_threshold_pct: 90
  #   memory_threshold_pct: 90
  #   schedule: "*/15 * * * *"
  #   notify:
  #     on: [failure]
  #     discord:
  #       webhook_url_env: DISCORD_WEBHOOK_URL
`;
