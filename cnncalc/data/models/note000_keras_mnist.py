"""Note 000's Keras MNIST model, copied verbatim from the note."""
# ruff: noqa  (the course note's code, kept as the note wrote it)

import numpy as np
from keras.datasets import mnist
from keras.models import Sequential
from keras.layers import Dense, Conv2D, Flatten, MaxPooling2D
from keras.utils import to_categorical

# 加载MNIST数据集
(train_images, train_labels), (test_images, test_labels) = mnist.load_data()
# 归一化图像数据
train_images = train_images.reshape((60000, 28, 28, 1))
test_images = test_images.reshape((10000, 28, 28, 1))
train_images = train_images.astype('float32') / 255
test_images = test_images.astype('float32') / 255

# 对标签进行one-hot编码
train_labels = to_categorical(train_labels)
test_labels = to_categorical(test_labels)

# 初始化模型
model = Sequential()
# 添加卷积层,使用32个3x3的滤波器和ReLU激活函数
model.add(Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
# 添加最大池化层
model.add(MaxPooling2D((2, 2)))
# 添加另一个卷积层
model.add(Conv2D(64, (3, 3), activation='relu'))
# 添加另一个最大池化层
model.add(MaxPooling2D((2, 2)))
# 添加另一个卷积层
model.add(Conv2D(64, (3, 3), activation='relu'))
# 展平层,从卷积层到全连接层的过渡
model.add(Flatten())
# 添加全连接层
model.add(Dense(64, activation='relu'))
# 添加输出层,10个节点对应10个类别
model.add(Dense(10, activation='softmax'))
# 编译模型
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
# 训练模型
model.fit(train_images, train_labels, epochs=5, batch_size=64)

# 在测试集上评估模型
test_loss, test_acc = model.evaluate(test_images, test_labels)
print('Test accuracy:', test_acc)
