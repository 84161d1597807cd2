# The cluster (README, "Beyond one machine"): scripts/cluster.sh runs three MariaDB Galera
# nodes, Redis with a replica and three sentinels, three summitd and HAProxy on loopback, all
# under var/cluster/.
#   make cluster         start it fresh, load the demo data, print the topology, stay up until
#                        Ctrl-C (then stop everything)
#   make cluster-stop    stop what scripts/cluster.sh started
#   make faults-cluster  kill -9 of a Galera node and of the Redis master under a registration
#                        load through HAProxy (tests/faults/faults.c --cluster); starts the
#                        cluster when it is not running and stops it again
#   make test-cluster    the whole integration suite once against the cluster (IT_CLUSTER=1)
#   make cluster-check   cluster start + faults-cluster + test-cluster + stop (what CI runs)
#   make bench-cluster   registrations/s through HAProxy on the cluster beside one MariaDB
CLUSTER_ENV = SUMMITD_BIN=$(abspath $(B)/summitd)
# What the integration harness needs to point at the cluster (tests/lib/it.c).
CLUSTER_BASE_PORT = $(or $(CLUSTER_PORT_BASE),4500)
IT_CLUSTER_ENV = SD_MYSQL_HOSTS=127.0.0.1:$$(($(CLUSTER_BASE_PORT)+1)),127.0.0.1:$$(($(CLUSTER_BASE_PORT)+2)),127.0.0.1:$$(($(CLUSTER_BASE_PORT)+3)) \
    SD_MYSQL_PORT=$$(($(CLUSTER_BASE_PORT)+1)) \
    SD_REDIS_SENTINELS=127.0.0.1:$$(($(CLUSTER_BASE_PORT)+51)),127.0.0.1:$$(($(CLUSTER_BASE_PORT)+52)),127.0.0.1:$$(($(CLUSTER_BASE_PORT)+53)) \
    SD_REDIS_PORT=$$(scripts/cluster.sh master-port)

.PHONY: cluster cluster-stop faults-cluster test-cluster cluster-check bench-cluster

cluster: deps
	@$(MAKE) --no-print-directory $(B)/summitd
	@$(CLUSTER_ENV) scripts/cluster.sh up

cluster-stop:
	@scripts/cluster.sh stop

faults-cluster: deps
	@$(MAKE) --no-print-directory $(B)/summitd $(B)/tests/faults/faults
	@$(CLUSTER_ENV) CLUSTER_PASSWORD_COST=1 scripts/with-cluster.sh $(B)/tests/faults/faults --cluster

# Integration tests against the cluster: IT_CLUSTER=1 makes the harness read SD_MYSQL_HOSTS and
# SD_REDIS_SENTINELS (each summitd a test starts prefers the next node in turn).
ifeq ($(IT_CLUSTER),1)
IT_RUN_ENV = $(IT_CLUSTER_ENV)
endif
test-cluster: deps
	@$(MAKE) --no-print-directory all
	@$(CLUSTER_ENV) CLUSTER_SUMMITD=0 scripts/with-cluster.sh \
	    $(MAKE) --no-print-directory integration IT_CLUSTER=1

cluster-check: deps
	@$(MAKE) --no-print-directory all $(B)/tests/faults/faults
	@$(CLUSTER_ENV) CLUSTER_PASSWORD_COST=1 scripts/with-cluster.sh sh -c \
	    '$(B)/tests/faults/faults --cluster && $(MAKE) --no-print-directory integration IT_CLUSTER=1'

bench-cluster: deps
	@scripts/deps.sh wrk
	@$(MAKE) --no-print-directory bench-tools
	@$(CLUSTER_ENV) B=$(B) bench/cluster.sh
