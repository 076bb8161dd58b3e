# MariaDB for the integration tests; sourced by scripts/services, which sets
# $base, $MYPORT_T and the helpers as_user / svc_user.
#   data     $base/mariadb/data        (mariadb-install-db on first start)
#   server   mariadbd as user mysql when root, 127.0.0.1:$MYPORT_T,
#            socket $base/mariadb/mysqld.sock
#   account  weir / weir with all privileges, database weir_test
# The admin account is the OS user over the socket (unix_socket plugin):
# root when root, else the invoking user, which mariadb-install-db creates.

my_admin() { if [ "$(id -u)" -eq 0 ]; then echo root; else id -un; fi; }

my_client() { # runs the mariadb client as the admin over the socket
  mariadb --no-defaults --socket="$base/mariadb/mysqld.sock" -u "$(my_admin)" "$@"
}

start_mariadb() {
  local d=$base/mariadb u; u=$(svc_user mysql)
  mkdir -p "$d"; chown "$u" "$d" 2>/dev/null || true; chmod 750 "$d"
  if [ ! -d "$d/data/mysql" ]; then
    as_user "$u" mariadb-install-db --no-defaults --datadir="$d/data" --user="$u" \
      --auth-root-authentication-method=socket --skip-test-db >"$d/install.log" 2>&1 || {
        cat "$d/install.log" >&2; return 1; }
  fi
  if ! mariadb-admin --no-defaults --socket="$d/mysqld.sock" -u "$(my_admin)" ping >/dev/null 2>&1; then
    # setsid + nohup: the server outlives this script and its terminal.
    as_user "$u" setsid nohup mariadbd --no-defaults --datadir="$d/data" --user="$u" \
      --bind-address=127.0.0.1 --port="$MYPORT_T" --socket="$d/mysqld.sock" \
      --pid-file="$d/mysqld.pid" --log-error="$d/server.log" --skip-name-resolve \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
      --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=0 \
      --innodb-doublewrite=0 --max-connections=60 >/dev/null 2>&1 </dev/null &
    local i
    for i in $(seq 1 120); do
      mariadb-admin --no-defaults --socket="$d/mysqld.sock" -u "$(my_admin)" ping >/dev/null 2>&1 && break
      sleep 0.5
    done
    mariadb-admin --no-defaults --socket="$d/mysqld.sock" -u "$(my_admin)" ping >/dev/null 2>&1 || {
      echo "mariadb did not start; see $d/server.log" >&2; tail -n 20 "$d/server.log" >&2; return 1; }
  fi
  my_client -e "CREATE DATABASE IF NOT EXISTS weir_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
    CREATE USER IF NOT EXISTS 'weir'@'127.0.0.1' IDENTIFIED BY 'weir';
    CREATE USER IF NOT EXISTS 'weir'@'localhost' IDENTIFIED BY 'weir';
    GRANT ALL PRIVILEGES ON *.* TO 'weir'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO 'weir'@'localhost';
    FLUSH PRIVILEGES;"
  # The client must reach it over TCP as weir too, as the tests do.
  for i in $(seq 1 20); do
    mariadb --no-defaults -h 127.0.0.1 -P "$MYPORT_T" -u weir -pweir -e 'SELECT 1' weir_test \
      >/dev/null 2>&1 && break
    sleep 0.5
  done
  echo "mariadb: 127.0.0.1:$MYPORT_T"
}

stop_mariadb() {
  local d=$base/mariadb
  if [ -S "$d/mysqld.sock" ]; then
    mariadb-admin --no-defaults --socket="$d/mysqld.sock" -u "$(my_admin)" shutdown >/dev/null 2>&1 || true
  fi
}
