package org.routelab.method;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.adapter.FactorBatches;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AllocationBank;
import org.routelab.routing.InputRouterBank;
import org.routelab.routing.Router;
import org.routelab.routing.RouterOptions;

/**
 * One projection that receives an adapter, with what a method may need to build it.
 *
 * @param manager owns the adapter's parameters
 * @param inFeatures the projection's input size
 * @param outFeatures the projection's output size
 * @param router the task router assigned to the projection (shared as the granularity says), or null
 *     for methods without {@link RoutingNeeds#taskRouter task routers}
 * @param ownsRouter whether this projection's adapter registers the router (the first that uses it)
 * @param tasks the number of training tasks {@code T}
 * @param routerOptions how learned allocations sample while training
 * @param allocations the bank the input-routed adapters of one injection compute their learned
 *     allocations in, together once per pass (OrchMoE's skill routers)
 * @param inputRouters the bank of the injection's task routers that read the layer input, whose routers
 *     of one input compute their weights together (OrchMoE's task routers)
 * @param random the stream the adapter's initial values are drawn from
 * @param dataType the parameters' data type
 * @param factorBatches shared by every adapter of the injection: where adapters whose factors depend on
 *     their parameters alone build them together with those of the same sizes, once per pass
 */
public record AdapterSite(NDManager manager, int inFeatures, int outFeatures, Router router, boolean ownsRouter,
        int tasks, RouterOptions routerOptions, AllocationBank allocations, InputRouterBank inputRouters,
        RandomStream random, DataType dataType, FactorBatches factorBatches) {}
