#ifndef PROCESSKIT_REGISTRY_H
#define PROCESSKIT_REGISTRY_H

/* Returns 0 when out of memory (the child is then still watched, only unknown to the reaper). */
int pk_registry_add(int pid);
void pk_registry_remove(int pid);
int pk_registry_has(int pid);

#endif
