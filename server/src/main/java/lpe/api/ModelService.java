package lpe.api;

import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import lpe.jobs.ModelRegistry;
import lpe.v1.ListModelsRequest;
import lpe.v1.ListModelsResponse;
import lpe.v1.LoadModelRequest;
import lpe.v1.Model;
import lpe.v1.ModelServiceGrpc;
import lpe.v1.UnloadModelRequest;

/** lpe.v1.ModelService over the {@link ModelRegistry}: models are directory names under the model root, never paths. */
final class ModelService extends ModelServiceGrpc.ModelServiceImplBase {
    private final ModelRegistry models;

    @Inject
    ModelService(ModelRegistry models) {
        this.models = models;
    }

    @Override
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> response) {
        try {
            ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
            models.list().forEach(m -> b.addModels(ProtoMapper.toProto(m)));
            response.onNext(b.build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
        }
    }

    @Override
    public void loadModel(LoadModelRequest request, StreamObserver<Model> response) {
        try {
            String name = modelName(request.getName());
            models.load(name);
            response.onNext(ProtoMapper.toProto(models.info(name)));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
        }
    }

    @Override
    public void unloadModel(UnloadModelRequest request, StreamObserver<Model> response) {
        try {
            String name = modelName(request.getName());
            models.unload(name);
            response.onNext(ProtoMapper.toProto(models.info(name)));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
        }
    }

    /** Strips "models/"; everything else (paths included) is judged by the registry, under the field "name". */
    private static String modelName(String name) {
        String bare = name.startsWith("models/") ? name.substring("models/".length()) : name;
        if (bare.isEmpty()) {
            throw Errors.invalid("name", "a model name is required (see ListModels)");
        }
        return bare;
    }
}
